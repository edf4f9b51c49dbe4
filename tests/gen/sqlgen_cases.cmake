# Post-build step of a sqlgen program: one add_test() per case and engine.
#   cmake -DEXE=<program> -DOUT=<file.cmake> -DPREFIX=<name prefix> -DENGINES=<a,b,c> -P ...
# The entries need the engine's fixture (mariadb, postgres) and get ${sqlgen_env}; exit 77 (no
# server) is a skip except under CI=true (${sqlgen_skip} is empty there).
execute_process(COMMAND ${EXE} --list OUTPUT_VARIABLE cases RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${EXE} --list failed (${rc})")
endif()
string(REPLACE "\n" ";" cases "${cases}")
string(REPLACE "," ";" ENGINES "${ENGINES}")
set(text "")
foreach(engine ${ENGINES})
    set(fixture "")
    if(NOT engine STREQUAL "sqlite")
        set(fixture "FIXTURES_REQUIRED ${engine}")
    endif()
    foreach(name ${cases})
        if(name STREQUAL "")
            continue()
        endif()
        set(t "${PREFIX}.${engine}.${name}")
        string(APPEND text
               "add_test([=[${t}]=] [=[${EXE}]=] ${engine} [=[${name}]=])\n"
               "set_tests_properties([=[${t}]=] PROPERTIES LABELS sqlgen ${fixture}\n"
               "    TIMEOUT 120 ENVIRONMENT \"\${sqlgen_env}\" \${sqlgen_skip})\n")
    endforeach()
endforeach()
file(WRITE ${OUT}.tmp "${text}")
file(RENAME ${OUT}.tmp ${OUT})
