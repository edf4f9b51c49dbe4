# Generates the shop's data access layer from the model (run by the build, see CMakeLists.txt):
#   cmake -DDDBKIT=<ddbkit> -DMODEL=<schema.json> -DUSAGE=<usage.json> -DOUT=<dir> -P generate.cmake
#
# The usage data feeds the generated conformance suite. A model or usage error stops the build
# with ddbkit's messages; the model's one known warning (CartItem's ID is not in its key, by
# design) is checked by gen.examples.shop_model instead of printed on every build.
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${DDBKIT} generate --quiet ${MODEL} --usage-data ${USAGE} -o ${OUT}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ddbkit generate ${MODEL} failed (exit ${rc})")
endif()
