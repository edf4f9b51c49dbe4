# `ddbkit COMMAND --help` lists every option the command accepts, and accepts every option it
# lists (gen.cli.help.<command>):
#
#   cmake -DDDBKIT=<exe> -DCOMMAND=<name> -DSOURCE=<file.c> -DTABLE=<options array>
#         -P cli_help.cmake
#
# The options come from the code: the command's option table in SOURCE (the one table behind its
# parser and its help), so a new option that the help misses fails here.
cmake_minimum_required(VERSION 3.20) # IN_LIST
execute_process(COMMAND ${DDBKIT} ${COMMAND} --help RESULT_VARIABLE rc OUTPUT_VARIABLE help
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
    message(FATAL_ERROR "ddbkit ${COMMAND} --help: exit status ${rc}, stderr:\n${err}")
endif()
if(NOT help MATCHES "^usage: ddbkit ${COMMAND} ")
    message(FATAL_ERROR "ddbkit ${COMMAND} --help does not start with its usage line:\n${help}")
endif()
# The same from `ddbkit help COMMAND`.
execute_process(COMMAND ${DDBKIT} help ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE again)
if(NOT rc EQUAL 0 OR NOT again STREQUAL help)
    message(FATAL_ERROR "ddbkit help ${COMMAND} differs from ddbkit ${COMMAND} --help")
endif()
# And the command is in the list of commands.
execute_process(COMMAND ${DDBKIT} --help OUTPUT_VARIABLE main)
if(NOT main MATCHES "\n  ${COMMAND} ")
    message(FATAL_ERROR "ddbkit --help does not list ${COMMAND}:\n${main}")
endif()

# The option table: from "TABLE[] = {" to the first "};", which closes it.
file(READ ${SOURCE} src)
string(FIND "${src}" "${TABLE}[] = {" at)
if(at EQUAL -1)
    message(FATAL_ERROR "${SOURCE} has no option table ${TABLE}[]")
endif()
string(SUBSTRING "${src}" ${at} -1 src)
string(FIND "${src}" "};" end)
string(SUBSTRING "${src}" 0 ${end} table)
string(REGEX MATCHALL "{\"--[a-z-]+\", (NULL|\"-[a-z]\")" entries "${table}")
set(from_code --help -h)
foreach(e ${entries})
    string(REGEX MATCH "\"(--[a-z-]+)\", (NULL|\"(-[a-z])\")" _ "${e}")
    list(APPEND from_code ${CMAKE_MATCH_1})
    if(CMAKE_MATCH_3)
        list(APPEND from_code ${CMAKE_MATCH_3})
    endif()
endforeach()
foreach(opt ${from_code})
    if(NOT help MATCHES "(^|[ \n])${opt}[ =,\n]")
        message(FATAL_ERROR "ddbkit ${COMMAND} --help does not list ${opt}:\n${help}")
    endif()
endforeach()

# The options the help lists, each given to the command: none is unknown to the parser.
string(REGEX MATCHALL "\n  (-[a-z], )?--[a-z-]+" listed "${help}")
set(from_help)
foreach(l ${listed})
    string(REGEX MATCH "--[a-z-]+" opt "${l}")
    list(APPEND from_help ${opt})
    if(opt STREQUAL "--help")
        continue()
    endif()
    if(NOT opt IN_LIST from_code)
        message(FATAL_ERROR "ddbkit ${COMMAND} --help lists ${opt}, which is not in ${TABLE}[]")
    endif()
    execute_process(COMMAND ${DDBKIT} ${COMMAND} ${opt} RESULT_VARIABLE rc ERROR_VARIABLE err
                    OUTPUT_QUIET)
    if(err MATCHES "unknown option")
        message(FATAL_ERROR "ddbkit ${COMMAND} ${opt}: the parser does not know it:\n${err}")
    endif()
endforeach()
list(LENGTH from_help n)
message(STATUS "ddbkit ${COMMAND} --help: ${n} options, all in ${TABLE}[] and all accepted")
