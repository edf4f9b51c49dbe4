# Post-build step of a conformance program: writes one add_test() per case it lists.
#   cmake -DEXE=<program> -DOUT=<file.cmake> -DPREFIX=<test name prefix> -P list_cases.cmake
# The entries run the program with the case's name, with the label "gen", the DynamoDB Local
# fixture and the environment in ${gen_conf_env} (set by the file that includes OUT).
execute_process(COMMAND ${EXE} --list OUTPUT_VARIABLE cases RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${EXE} --list failed (${rc})")
endif()
string(REPLACE "\n" ";" cases "${cases}")
set(text "")
foreach(name ${cases})
    if(name STREQUAL "")
        continue()
    endif()
    string(APPEND text
           "add_test([=[${PREFIX}.${name}]=] [=[${EXE}]=] [=[${name}]=])\n"
           "set_tests_properties([=[${PREFIX}.${name}]=] PROPERTIES LABELS gen\n"
           "    FIXTURES_REQUIRED dynamodb_local TIMEOUT 300 ENVIRONMENT \"\${gen_conf_env}\")\n")
endforeach()
file(WRITE ${OUT}.tmp "${text}")
file(RENAME ${OUT}.tmp ${OUT})
