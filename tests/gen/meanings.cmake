# What each access-pattern parameter means, against DynamoDB Local:
#   gen.meanings.<case>   test_meanings.c with the code generated for gen-models/meanings.json
#                         (update by entity, lists, numeric sort key ranges, derived key fields,
#                         and the meanings inferred from parameter names; docs/model-file.md).
# Included at the end of tests/gen/CMakeLists.txt (needs ddbkit_cli and ddb_test_support).
if(TARGET ddbkit_cli AND TARGET ddb_test_support)
    set(mean_dir ${CMAKE_CURRENT_BINARY_DIR}/meanings)
    add_custom_command(OUTPUT ${mean_dir}/mean.h ${mean_dir}/mean.c
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${mean_dir}
                       COMMAND ddbkit_cli generate --quiet ${GEN_DIR}/gen-models/meanings.json
                               -o ${mean_dir}
                       DEPENDS ddbkit_cli ${GEN_DIR}/gen-models/meanings.json
                       COMMENT "ddbkit generate gen-models/meanings.json")
    add_executable(gen_test_meanings ${GEN_DIR}/test_meanings.c ${mean_dir}/mean.c)
    target_include_directories(gen_test_meanings PRIVATE ${mean_dir} ${GEN_DIR}/..)
    target_link_libraries(gen_test_meanings PRIVATE ddb_test_support ddb_build_flags)
    file(STRINGS ${GEN_DIR}/test_meanings.c mean_case_lines REGEX "^TEST\\([A-Za-z0-9_]+\\)")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${GEN_DIR}/test_meanings.c)
    foreach(line ${mean_case_lines})
        string(REGEX REPLACE "^TEST\\(([A-Za-z0-9_]+)\\).*" "\\1" case ${line})
        gen_test(gen.meanings.${case} COMMAND gen_test_meanings ${case})
        set_tests_properties(gen.meanings.${case} PROPERTIES FIXTURES_REQUIRED dynamodb_local
                                                             TIMEOUT 300)
    endforeach()
    gen_valgrind(gen.meanings.all $<TARGET_FILE:gen_test_meanings>)
    if(DDB_VALGRIND)
        set_tests_properties(valgrind.gen.meanings.all PROPERTIES FIXTURES_REQUIRED dynamodb_local)
    endif()
endif()
