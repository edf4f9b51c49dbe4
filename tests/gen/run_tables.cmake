# `ddbkit tables` against the run's DynamoDB Local (tests/gen/CMakeLists.txt, gen.tables.*):
#
#   cmake -DDDBKIT=<exe> -DMODE=<case> -DGEN_DIR=<tests/gen> -DSHOP_MODEL=<schema.json>
#         [-DMODEL=<model>] -P run_tables.cmake
#
# The endpoint is the fixture's (DDB_TEST_LOCAL_STATE/endpoint, the SigV4-checking proxy), reached
# the way users reach theirs: through AWS_ENDPOINT_URL_DYNAMODB and the AWS variables. Every case
# uses its own table prefix, so runs and cases never meet.

set(ENV{AWS_REGION} us-east-1)
set(ENV{AWS_ACCESS_KEY_ID} AKIDTABLESTEST) # tests/support/sigv4_test_keys
set(ENV{AWS_SECRET_ACCESS_KEY} tables-test-secret)
set(ENV{AWS_EC2_METADATA_DISABLED} true)
unset(ENV{AWS_SESSION_TOKEN})
unset(ENV{AWS_ENDPOINT_URL})
if(NOT MODE MATCHES "^(unreachable|bad_prefix|long_prefix)$")
    set(state "$ENV{DDB_TEST_LOCAL_STATE}/endpoint")
    if(NOT EXISTS "${state}")
        message(FATAL_ERROR "no ${state}: the dynamodb_local fixture did not start")
    endif()
    file(STRINGS "${state}" endpoint LIMIT_COUNT 1)
    set(ENV{AWS_ENDPOINT_URL_DYNAMODB} "${endpoint}")
endif()
string(RANDOM LENGTH 6 ALPHABET abcdefghijklmnopqrstuvwxyz0123456789 rnd)
string(TIMESTAMP now "%H%M%S")
set(P "cli${now}${rnd}_")

# run(<exit status> <stdout regex> <stderr regex> <args>...): "" skips a regex.
function(run rc out_re err_re)
    execute_process(COMMAND ${DDBKIT} ${ARGN} RESULT_VARIABLE got OUTPUT_VARIABLE out
                    ERROR_VARIABLE err)
    if(NOT got STREQUAL rc)
        message(FATAL_ERROR "ddbkit ${ARGN}: exit status ${got}, expected ${rc}\n"
                            "stdout:\n${out}\nstderr:\n${err}")
    endif()
    if(NOT out_re STREQUAL "" AND NOT out MATCHES "${out_re}")
        message(FATAL_ERROR "ddbkit ${ARGN}: stdout does not match '${out_re}':\n${out}\n"
                            "stderr:\n${err}")
    endif()
    if(NOT err_re STREQUAL "" AND NOT err MATCHES "${err_re}")
        message(FATAL_ERROR "ddbkit ${ARGN}: stderr does not match '${err_re}':\n${err}")
    endif()
    set(out "${out}" PARENT_SCOPE)
    set(err "${err}" PARENT_SCOPE)
endfunction()

if(MODE STREQUAL "lifecycle")
    # The model's tables, as the generated code names them: table_name, then the counter table.
    file(READ ${MODEL} text)
    string(JSON n LENGTH "${text}" tables)
    math(EXPR last "${n} - 1")
    set(names)
    foreach(i RANGE ${last})
        string(JSON t GET "${text}" tables ${i} table_config table_name)
        list(APPEND names ${P}${t})
    endforeach()
    string(JSON counters ERROR_VARIABLE none GET "${text}" x-ddbkit counter_table)
    if(counters)
        list(APPEND names ${P}${counters})
    endif()
    set(created "")
    set(exists "")
    set(dropped "")
    set(absent "")
    foreach(t ${names})
        string(APPEND created "created  ${t}\n")
        string(APPEND exists "exists   ${t}\n")
        string(APPEND dropped "dropped  ${t}\n")
        string(APPEND absent "absent   ${t}\n")
    endforeach()

    run(0 "^${created}$" "^$" tables create ${MODEL} --prefix ${P})
    # Again: every table is there with the model's schema.
    run(0 "^${exists}$" "^$" tables create ${MODEL} --prefix=${P})
    run(0 "" "^$" tables describe ${MODEL} --prefix ${P})
    foreach(t ${names})
        if(NOT out MATCHES "${t}: ACTIVE, 0 items")
            message(FATAL_ERROR "describe does not show ${t} ACTIVE and empty:\n${out}")
        endif()
    endforeach()
    # The JSON names every table with its key schema and GSIs, as the model defines them.
    run(0 "" "^$" tables describe ${MODEL} --prefix ${P} --json)
    string(JSON n_described LENGTH "${out}" tables)
    list(LENGTH names n_names)
    if(NOT n_described EQUAL n_names)
        message(FATAL_ERROR "describe --json lists ${n_described} tables, not ${n_names}:\n${out}")
    endif()
    foreach(i RANGE ${last})
        string(JSON got GET "${out}" tables ${i} name)
        string(JSON status GET "${out}" tables ${i} status)
        string(JSON pk GET "${out}" tables ${i} key_schema 0 attribute)
        string(JSON want_pk GET "${text}" tables ${i} table_config partition_key)
        list(GET names ${i} want)
        if(NOT got STREQUAL want OR NOT status STREQUAL "ACTIVE" OR NOT pk STREQUAL want_pk)
            message(FATAL_ERROR "describe --json table ${i}: ${got} ${status} key ${pk}, "
                                "expected ${want} ACTIVE key ${want_pk}")
        endif()
        string(JSON n_gsi ERROR_VARIABLE no_gsi LENGTH "${text}" tables ${i} gsi_list)
        if(no_gsi)
            set(n_gsi 0)
        endif()
        string(JSON got_gsi LENGTH "${out}" tables ${i} gsis)
        if(NOT got_gsi EQUAL n_gsi)
            message(FATAL_ERROR "describe --json: ${got} has ${got_gsi} GSIs, the model ${n_gsi}")
        endif()
    endforeach()
    run(0 "^${dropped}$" "^$" tables drop ${MODEL} --prefix ${P})
    # Twice: the tables are gone, which is what was asked.
    run(0 "^${absent}$" "^$" tables drop ${MODEL} --prefix ${P})
    list(GET names 0 first)
    run(1 "^${first}: absent\n" "table '${first}' does not exist"
        tables describe ${MODEL} --prefix ${P})
elseif(MODE STREQUAL "schema_mismatch")
    # The shop's table Shop has keys pk/sk; gen-models/patterns.json's Shop has PK/SK.
    run(0 "created  ${P}Shop\n" "^$" tables create ${SHOP_MODEL} --prefix ${P})
    string(CONCAT re "ddbkit tables create: table '${P}Shop' exists with another schema: "
           "its key is pk [(]S[)] HASH, sk [(]S[)] RANGE; "
           "the model's is PK [(]S[)] HASH, SK [(]S[)] RANGE")
    run(1 "" "${re}" tables create ${MODEL} --prefix ${P})
    run(0 "dropped  ${P}Shop\n" "^$" tables drop ${SHOP_MODEL} --prefix ${P})
elseif(MODE STREQUAL "bad_prefix")
    string(CONCAT re "table name 'bad prefix!Shop' [(]--prefix 'bad prefix!' [+] 'Shop'[)] "
           "has ' ' at offset 3; DynamoDB allows only")
    run(2 "^$" "${re}" tables create ${MODEL} --prefix "bad prefix!")
elseif(MODE STREQUAL "long_prefix")
    string(REPEAT "p" 252 long)
    string(CONCAT re "table 'Shop' with --prefix of 252 characters would be named with 256 "
           "characters; DynamoDB allows at most 255")
    run(2 "^$" "${re}" tables create ${MODEL} --prefix ${long})
elseif(MODE STREQUAL "unreachable")
    # Nothing listens on port 1: a clear error naming the table, quickly (CTest's TIMEOUT of
    # this case is 20 s; the client's retries take well under a second).
    set(ENV{AWS_ENDPOINT_URL_DYNAMODB} "http://127.0.0.1:1")
    string(TIMESTAMP t0 "%s")
    run(1 "^$" "ddbkit tables create: table '${P}Shop': http://127.0.0.1:1/: Couldn't connect"
        tables create ${MODEL} --prefix ${P})
    string(TIMESTAMP t1 "%s")
    math(EXPR took "${t1} - ${t0}")
    if(took GREATER 10)
        message(FATAL_ERROR "an unreachable endpoint took ${took} s to fail")
    endif()
else()
    message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()
