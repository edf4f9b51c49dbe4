# Runs the ddbkit command and checks its exit status and output.
#
#   cmake -DDDBKIT=<exe> -DARGS="a;b;c" -DEXPECT_RC=<n> [-DEXPECT_STDOUT=<regex>]
#         [-DEXPECT_STDERR=<regex>] -P run_cli.cmake
execute_process(COMMAND ${DDBKIT} ${ARGS}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc STREQUAL EXPECT_RC)
    message(FATAL_ERROR "ddbkit ${ARGS}: exit status ${rc}, expected ${EXPECT_RC}\n"
                        "stdout:\n${out}\nstderr:\n${err}")
endif()
if(DEFINED EXPECT_STDOUT AND NOT out MATCHES "${EXPECT_STDOUT}")
    message(FATAL_ERROR "ddbkit ${ARGS}: stdout does not match '${EXPECT_STDOUT}':\n${out}")
endif()
if(DEFINED EXPECT_STDERR AND NOT err MATCHES "${EXPECT_STDERR}")
    message(FATAL_ERROR "ddbkit ${ARGS}: stderr does not match '${EXPECT_STDERR}':\n${err}")
endif()
