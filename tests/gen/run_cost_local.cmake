# gen.cost.local.<model>: creates the model's tables on this run's DynamoDB Local under a fresh
# prefix (`ddbkit tables create`), runs cost_local against them, and drops them again.
#   cmake -DDDBKIT=... -DCOST_LOCAL=... -DMODEL=... -DUSAGE=... -DPRICES=... -P run_cost_local.cmake
set(ENV{AWS_REGION} us-east-1)
set(ENV{AWS_ACCESS_KEY_ID} AKIDTABLESTEST) # tests/support/sigv4_test_keys
set(ENV{AWS_SECRET_ACCESS_KEY} tables-test-secret)
set(ENV{AWS_EC2_METADATA_DISABLED} true)
unset(ENV{AWS_SESSION_TOKEN})
unset(ENV{AWS_ENDPOINT_URL})
set(state "$ENV{DDB_TEST_LOCAL_STATE}/endpoint")
if(NOT EXISTS "${state}")
    message(FATAL_ERROR "no ${state}: the dynamodb_local fixture did not start")
endif()
file(STRINGS "${state}" endpoint LIMIT_COUNT 1)
set(ENV{AWS_ENDPOINT_URL_DYNAMODB} "${endpoint}")
string(RANDOM LENGTH 6 ALPHABET abcdefghijklmnopqrstuvwxyz0123456789 rnd)
set(P "cost${rnd}_")

execute_process(COMMAND ${DDBKIT} tables create ${MODEL} --prefix ${P} RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ddbkit tables create: exit ${rc}\n${out}${err}")
endif()
execute_process(COMMAND ${COST_LOCAL} ${MODEL} ${USAGE} ${PRICES} ${P} RESULT_VARIABLE rc)
execute_process(COMMAND ${DDBKIT} tables drop ${MODEL} --prefix ${P} RESULT_VARIABLE drop_rc
                OUTPUT_QUIET ERROR_VARIABLE drop_err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cost_local: exit ${rc}")
endif()
if(NOT drop_rc EQUAL 0)
    message(FATAL_ERROR "ddbkit tables drop: exit ${drop_rc}\n${drop_err}")
endif()
