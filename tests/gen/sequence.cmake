# Computed fields and per-parent sequences (x-ddbkit.computed, x-ddbkit.sequence) in the code
# generated for gen-models/tracker.json, against DynamoDB Local:
#   gen.sequence.<case>   test_sequence.c
# Included at the end of tests/gen/CMakeLists.txt (needs ddbkit_cli and ddb_test_support).
if(TARGET ddbkit_cli AND TARGET ddb_test_support)
    set(seq_dir ${CMAKE_CURRENT_BINARY_DIR}/sequence)
    add_custom_command(OUTPUT ${seq_dir}/tracker.h ${seq_dir}/tracker.c
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${seq_dir}
                       COMMAND ddbkit_cli generate --quiet ${GEN_DIR}/gen-models/tracker.json
                               -o ${seq_dir}
                       DEPENDS ddbkit_cli ${GEN_DIR}/gen-models/tracker.json
                       COMMENT "ddbkit generate the model of test_sequence.c")
    add_executable(gen_test_sequence ${GEN_DIR}/test_sequence.c ${seq_dir}/tracker.c)
    target_include_directories(gen_test_sequence PRIVATE ${seq_dir} ${GEN_DIR}/..)
    find_package(Threads REQUIRED)
    target_link_libraries(gen_test_sequence PRIVATE ddb_test_support ddb_build_flags
                                                    Threads::Threads)
    file(STRINGS ${GEN_DIR}/test_sequence.c seq_case_lines REGEX "^TEST\\([A-Za-z0-9_]+\\)")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${GEN_DIR}/test_sequence.c)
    foreach(line ${seq_case_lines})
        string(REGEX REPLACE "^TEST\\(([A-Za-z0-9_]+)\\).*" "\\1" case ${line})
        gen_test(gen.sequence.${case} COMMAND gen_test_sequence ${case})
        set_tests_properties(gen.sequence.${case} PROPERTIES FIXTURES_REQUIRED dynamodb_local
                                                             TIMEOUT 300)
    endforeach()
endif()
