# The access-pattern members of the generated repository (patterns helper), against DynamoDB Local:
#   gen.patterns.<case>   test_patterns.c with the code generated for gen-models/patterns.json and,
#                         for the multi-attribute index keys (checked up to the request, which
#                         DynamoDB Local 1.25.1 cannot serve), patterns_multi.json and
#                         models/multi_attribute_keys.json. patterns_multi.json is not in
#                         gen-models/: the conformance suite creates those models' tables.
# Included at the end of tests/gen/CMakeLists.txt (needs ddbkit_cli and ddb_test_support).
if(TARGET ddbkit_cli AND TARGET ddb_test_support)
    set(pat_dir ${CMAKE_CURRENT_BINARY_DIR}/patterns)
    add_custom_command(OUTPUT ${pat_dir}/pat.h ${pat_dir}/pat.c ${pat_dir}/patm.h ${pat_dir}/patm.c
                              ${pat_dir}/multi_attribute_keys.h ${pat_dir}/multi_attribute_keys.c
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${pat_dir}
                       COMMAND ddbkit_cli generate --quiet ${GEN_DIR}/gen-models/patterns.json -o ${pat_dir}
                       COMMAND ddbkit_cli generate --quiet ${GEN_DIR}/patterns_multi.json
                               -o ${pat_dir}
                       COMMAND ddbkit_cli generate --quiet ${GEN_DIR}/models/multi_attribute_keys.json
                               -o ${pat_dir}
                       DEPENDS ddbkit_cli ${GEN_DIR}/gen-models/patterns.json
                               ${GEN_DIR}/patterns_multi.json
                               ${GEN_DIR}/models/multi_attribute_keys.json
                       COMMENT "ddbkit generate the models of test_patterns.c")
    add_executable(gen_test_patterns ${GEN_DIR}/test_patterns.c ${pat_dir}/pat.c
                                     ${pat_dir}/patm.c ${pat_dir}/multi_attribute_keys.c)
    target_include_directories(gen_test_patterns PRIVATE ${pat_dir} ${GEN_DIR}/..)
    target_link_libraries(gen_test_patterns PRIVATE ddb_test_support ddb_build_flags)
    file(STRINGS ${GEN_DIR}/test_patterns.c pat_case_lines REGEX "^TEST\\([A-Za-z0-9_]+\\)")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${GEN_DIR}/test_patterns.c)
    foreach(line ${pat_case_lines})
        string(REGEX REPLACE "^TEST\\(([A-Za-z0-9_]+)\\).*" "\\1" case ${line})
        gen_test(gen.patterns.${case} COMMAND gen_test_patterns ${case})
        set_tests_properties(gen.patterns.${case} PROPERTIES FIXTURES_REQUIRED dynamodb_local
                                                             TIMEOUT 300)
    endforeach()
    gen_valgrind(gen.patterns.all $<TARGET_FILE:gen_test_patterns>)
    if(DDB_VALGRIND)
        set_tests_properties(valgrind.gen.patterns.all PROPERTIES FIXTURES_REQUIRED dynamodb_local)
    endif()
endif()
