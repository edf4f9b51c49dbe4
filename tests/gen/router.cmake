# The generated migration router (router helper), against DynamoDB Local:
#   gen.router.<case>   test_router.c with the code generated for gen-models/router.json; the
#                       router's relational side is a second generated DynamoDB implementation
# Included at the end of tests/gen/CMakeLists.txt (needs ddbkit_cli and ddb_test_support).
if(TARGET ddbkit_cli AND TARGET ddb_test_support)
    set(router_dir ${CMAKE_CURRENT_BINARY_DIR}/router)
    add_custom_command(OUTPUT ${router_dir}/rt.h ${router_dir}/rt.c ${router_dir}/rt_router.h
                              ${router_dir}/rt_router.c
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${router_dir}
                       COMMAND ddbkit_cli generate --quiet ${GEN_DIR}/gen-models/router.json -o ${router_dir}
                       DEPENDS ddbkit_cli ${GEN_DIR}/gen-models/router.json
                       COMMENT "ddbkit generate gen-models/router.json")
    add_executable(gen_test_router ${GEN_DIR}/test_router.c ${router_dir}/rt.c
                                   ${router_dir}/rt_router.c)
    target_include_directories(gen_test_router PRIVATE ${router_dir} ${GEN_DIR}/..)
    target_link_libraries(gen_test_router PRIVATE ddb_test_support ddb_build_flags)
    file(STRINGS ${GEN_DIR}/test_router.c router_case_lines REGEX "^TEST\\([A-Za-z0-9_]+\\)")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${GEN_DIR}/test_router.c)
    foreach(line ${router_case_lines})
        string(REGEX REPLACE "^TEST\\(([A-Za-z0-9_]+)\\).*" "\\1" case ${line})
        gen_test(gen.router.${case} COMMAND gen_test_router ${case})
        set_tests_properties(gen.router.${case} PROPERTIES FIXTURES_REQUIRED dynamodb_local
                                                           TIMEOUT 300)
    endforeach()
    gen_valgrind(gen.router.all $<TARGET_FILE:gen_test_router>)
    if(DDB_VALGRIND)
        set_tests_properties(valgrind.gen.router.all PROPERTIES FIXTURES_REQUIRED dynamodb_local)
    endif()
endif()

# gen.router_bulk.<case>: the bulk backfill and compare_all (test_router_bulk.c), same model.
if(TARGET ddbkit_cli AND TARGET ddb_test_support)
    add_executable(gen_test_router_bulk ${GEN_DIR}/test_router_bulk.c ${router_dir}/rt.c
                                        ${router_dir}/rt_router.c)
    target_include_directories(gen_test_router_bulk PRIVATE ${router_dir} ${GEN_DIR}/..)
    target_link_libraries(gen_test_router_bulk PRIVATE ddb_test_support ddb_build_flags)
    file(STRINGS ${GEN_DIR}/test_router_bulk.c router_bulk_case_lines
         REGEX "^TEST\\([A-Za-z0-9_]+\\)")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${GEN_DIR}/test_router_bulk.c)
    foreach(line ${router_bulk_case_lines})
        string(REGEX REPLACE "^TEST\\(([A-Za-z0-9_]+)\\).*" "\\1" case ${line})
        gen_test(gen.router_bulk.${case} COMMAND gen_test_router_bulk ${case})
        set_tests_properties(gen.router_bulk.${case} PROPERTIES FIXTURES_REQUIRED dynamodb_local
                                                                TIMEOUT 300)
    endforeach()
endif()
