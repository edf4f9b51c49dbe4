# Generates the C code of one model and checks it (the gen.generate.* tests):
#
#   cmake -DDDBKIT=<exe> -DMODEL=<schema.json> [-DUSAGE=<usage.json>] -DOUT=<dir>
#         -DEXPECTED=<dir> [-DCC=<compiler> -DINCLUDE=<include dir>] -DMODE=<golden|compile|determinism>
#         -P run_generate.cmake
#
#   golden       the output equals EXPECTED/<file> byte for byte; with DDBGEN_UPDATE_EXPECTED=1 in
#                the environment, EXPECTED is rewritten instead (review with git diff)
#   compile      every generated .c compiles with -std=c11 -Wall -Wextra -Werror -pedantic
#   determinism  two runs give identical bytes
function(generate dir)
    file(REMOVE_RECURSE ${dir})
    file(MAKE_DIRECTORY ${dir})
    set(args generate ${MODEL} -o ${dir})
    if(USAGE)
        list(APPEND args --usage-data ${USAGE})
    endif()
    execute_process(COMMAND ${DDBKIT} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                    ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "ddbkit ${args}: exit status ${rc}\n${out}\n${err}")
    endif()
endfunction()

if(MODE STREQUAL "determinism")
    generate(${OUT}/first)
    generate(${OUT}/second)
    file(GLOB files RELATIVE ${OUT}/first ${OUT}/first/*)
    if(NOT files)
        message(FATAL_ERROR "ddbkit generate ${MODEL} wrote nothing")
    endif()
    foreach(f ${files})
        file(SHA256 ${OUT}/first/${f} a)
        file(SHA256 ${OUT}/second/${f} b)
        if(NOT a STREQUAL b)
            message(FATAL_ERROR "${f} differs between two runs over ${MODEL}")
        endif()
    endforeach()
    return()
endif()

generate(${OUT})
file(GLOB files RELATIVE ${OUT} ${OUT}/*)
if(MODE STREQUAL "golden")
    if("$ENV{DDBGEN_UPDATE_EXPECTED}" STREQUAL "1")
        file(REMOVE_RECURSE ${EXPECTED})
        file(MAKE_DIRECTORY ${EXPECTED})
        foreach(f ${files})
            file(COPY ${OUT}/${f} DESTINATION ${EXPECTED})
        endforeach()
        message(STATUS "updated ${EXPECTED}")
        return()
    endif()
    file(GLOB expected RELATIVE ${EXPECTED} ${EXPECTED}/*)
    if(NOT expected STREQUAL files)
        message(FATAL_ERROR "generated files (${files}) are not the expected ones (${expected}) in "
                            "${EXPECTED}; run with DDBGEN_UPDATE_EXPECTED=1 to update")
    endif()
    foreach(f ${files})
        execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/${f} ${EXPECTED}/${f}
                        RESULT_VARIABLE same)
        if(NOT same EQUAL 0)
            execute_process(COMMAND diff -u ${EXPECTED}/${f} ${OUT}/${f} OUTPUT_VARIABLE d)
            string(SUBSTRING "${d}" 0 4000 d)
            message(FATAL_ERROR "${OUT}/${f} differs from ${EXPECTED}/${f} "
                                "(DDBGEN_UPDATE_EXPECTED=1 updates it):\n${d}")
        endif()
    endforeach()
elseif(MODE STREQUAL "compile")
    file(GLOB sources ${OUT}/*.c)
    foreach(src ${sources})
        execute_process(COMMAND ${CC} -std=c11 -Wall -Wextra -Werror -pedantic -I${INCLUDE} -I${OUT}
                                -c ${src} -o ${src}.o
                        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
        if(NOT rc EQUAL 0)
            message(FATAL_ERROR "${src} does not compile:\n${out}\n${err}")
        endif()
    endforeach()
else()
    message(FATAL_ERROR "MODE must be golden, compile or determinism")
endif()
