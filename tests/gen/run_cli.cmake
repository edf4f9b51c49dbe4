# Runs the ddbkit command and checks its exit status and output.
#
#   cmake -DDDBKIT=<exe> -DARGS="a;b;c" -DEXPECT_RC=<n> [-DEXPECT_STDOUT=<regex>]
#         [-DEXPECT_STDERR=<regex>] [-DREMOVE_FIRST=<dir>] [-DEXPECT_FILE=<path>] -P run_cli.cmake
#
# REMOVE_FIRST is removed before the run (a folder the command must create); EXPECT_FILE must
# exist after it.
if(DEFINED REMOVE_FIRST)
    file(REMOVE_RECURSE "${REMOVE_FIRST}")
endif()
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
if(DEFINED EXPECT_FILE AND NOT EXISTS "${EXPECT_FILE}")
    message(FATAL_ERROR "ddbkit ${ARGS}: ${EXPECT_FILE} was not written")
endif()
