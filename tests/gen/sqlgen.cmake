# The generated relational implementation (<ns>_sql.c) under the model's generated conformance
# suite, on SQLite (in memory), MariaDB (fixture mariadb) and PostgreSQL (fixture postgres):
#   gen.sqlgen.<model>.<engine>.<case>   label sqlgen
# The models are those whose every case gives the outcome it gives on DynamoDB (see
# docs/generated-code.md, "Relational implementation"). Included at the end of
# tests/gen/CMakeLists.txt (needs ddbkit_cli, ddb_test_support and libddbkit-sqlrepo).
if(NOT TARGET ddbkit_cli OR NOT TARGET ddb_test_support OR NOT TARGET ddbkit_sqlrepo)
    return()
endif()
# <model>, or <model>:<namespace> when the model names another namespace
set(sqlgen_models store types coupons fitness hotel_bookings iot_readings kinds saas_tenants
                  warehouse chat_rooms job_queue router:rt blog_cms library_loans
                  patterns:pat meanings:mean tracker quoted_names:quoted)
set(sqlgen_engines)
foreach(driver SQLITE MARIADB POSTGRES)
    if(driver IN_LIST DDB_SQL_DRIVERS)
        string(TOLOWER ${driver} engine)
        list(APPEND sqlgen_engines ${engine})
    endif()
endforeach()
foreach(entry ${sqlgen_models})
    string(REPLACE ":" ";" entry ${entry})
    list(GET entry 0 model)
    list(GET entry -1 ns)
    set(out ${CMAKE_CURRENT_BINARY_DIR}/sqlgen/${model})
    string(TOUPPER ${ns} ns_upper)
    add_custom_command(OUTPUT ${out}/${ns}.c ${out}/${ns}_conformance.c ${out}/${ns}_sql.c
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
                       COMMAND ddbkit_cli generate --quiet ${GEN_DIR}/gen-models/${model}.json
                               -o ${out}
                       DEPENDS ddbkit_cli ${GEN_DIR}/gen-models/${model}.json
                       COMMENT "ddbkit generate ${model} (relational implementation)")
    set(exe gen_sqlgen_${model})
    add_executable(${exe} ${GEN_DIR}/run_sql_conformance.c ${out}/${ns}.c
                          ${out}/${ns}_conformance.c ${out}/${ns}_sql.c)
    set_source_files_properties(${out}/${ns}_sql.c PROPERTIES
                                COMPILE_OPTIONS "-std=c11;-pedantic;-Werror")
    target_include_directories(${exe} PRIVATE ${out} ${GEN_DIR}/..)
    target_compile_definitions(${exe} PRIVATE GEN_HEADER="${ns}.h" GEN_SQL_HEADER="${ns}_sql.h"
                               GEN_CONFORMANCE_HEADER="${ns}_conformance.h" GEN_NS=${ns}
                               GEN_NS_UPPER=${ns_upper})
    target_link_libraries(${exe} PRIVATE ddbkit_sqlrepo_static ddb_test_support ddb_build_flags)
    # One entry per case and engine, listed from the built program as conformance.cmake does.
    string(REPLACE ";" "," engines_arg "${sqlgen_engines}") # no ';' through the shell
    set(cases_file ${out}/cases.cmake)
    set(include_file ${out}/include.cmake)
    add_custom_command(TARGET ${exe} POST_BUILD
                       COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${exe}> -DOUT=${cases_file}
                               -DENGINES=${engines_arg} -DPREFIX=gen.sqlgen.${model}
                               -P ${GEN_DIR}/sqlgen_cases.cmake
                       COMMENT "listing the conformance cases of ${model} (sqlgen)")
    file(GENERATE OUTPUT ${include_file} CONTENT
"set(sqlgen_env \"${DDB_TEST_ENV}\")
set(sqlgen_skip \"${DDB_SKIP_PROPERTY}\")
if(EXISTS \"${cases_file}\")
    include(\"${cases_file}\")
else()
    add_test(gen.sqlgen.${model}.not_built \"$<TARGET_FILE:${exe}>\" --list)
    set_tests_properties(gen.sqlgen.${model}.not_built PROPERTIES LABELS sqlgen)
endif()
")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endforeach()
