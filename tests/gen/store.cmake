# The store members of the generated repository (store helper), against DynamoDB Local:
#   gen.store.<case>   test_store.c with the code generated for gen-models/store.json
# Included at the end of tests/gen/CMakeLists.txt (needs ddbkit_cli and ddb_test_support).
if(TARGET ddbkit_cli AND TARGET ddb_test_support)
    set(store_dir ${CMAKE_CURRENT_BINARY_DIR}/store)
    add_custom_command(OUTPUT ${store_dir}/store.h ${store_dir}/store.c
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${store_dir}
                       COMMAND ddbkit_cli generate --quiet ${GEN_DIR}/gen-models/store.json -o ${store_dir}
                       DEPENDS ddbkit_cli ${GEN_DIR}/gen-models/store.json
                       COMMENT "ddbkit generate gen-models/store.json")
    add_executable(gen_test_store ${GEN_DIR}/test_store.c ${store_dir}/store.c)
    target_include_directories(gen_test_store PRIVATE ${store_dir} ${GEN_DIR}/..)
    target_link_libraries(gen_test_store PRIVATE ddb_test_support ddb_build_flags)
    file(STRINGS ${GEN_DIR}/test_store.c store_case_lines REGEX "^TEST\\([A-Za-z0-9_]+\\)")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${GEN_DIR}/test_store.c)
    foreach(line ${store_case_lines})
        string(REGEX REPLACE "^TEST\\(([A-Za-z0-9_]+)\\).*" "\\1" case ${line})
        gen_test(gen.store.${case} COMMAND gen_test_store ${case})
        set_tests_properties(gen.store.${case} PROPERTIES FIXTURES_REQUIRED dynamodb_local
                                                          TIMEOUT 300)
    endforeach()
    gen_valgrind(gen.store.all $<TARGET_FILE:gen_test_store>)
    if(DDB_VALGRIND)
        set_tests_properties(valgrind.gen.store.all PROPERTIES FIXTURES_REQUIRED dynamodb_local)
    endif()
endif()
