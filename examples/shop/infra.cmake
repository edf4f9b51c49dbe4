# The shop's operations files, written at build time into <build>/examples/shop/infra/ (never the
# source tree) by examples/shop/CMakeLists.txt:
#   shop.template.json  `ddbkit infra`: the table, alarms, dashboard and IAM policy
#   shop.cost.txt       `ddbkit cost` at the load of model/shop_rps.json and model/shop_items.json
#   shop.cost.json      the same as JSON
#   cmake -DDDBKIT=... -DMODEL_DIR=... -DOUT=... -P infra.cmake
set(model ${MODEL_DIR}/schema.json)
set(cost_args ${model} --usage-data ${MODEL_DIR}/shop_usage_data.json
              --rps ${MODEL_DIR}/shop_rps.json --items ${MODEL_DIR}/shop_items.json)
execute_process(COMMAND ${DDBKIT} infra ${model} -o ${OUT} RESULT_VARIABLE rc
                OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ddbkit infra: exit ${rc}\n${err}")
endif()
execute_process(COMMAND ${DDBKIT} cost ${cost_args} RESULT_VARIABLE rc
                OUTPUT_FILE ${OUT}/shop.cost.txt ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ddbkit cost: exit ${rc}\n${err}")
endif()
execute_process(COMMAND ${DDBKIT} cost ${cost_args} --json RESULT_VARIABLE rc
                OUTPUT_FILE ${OUT}/shop.cost.json ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ddbkit cost --json: exit ${rc}\n${err}")
endif()
