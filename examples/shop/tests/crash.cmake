# The router's crash safety (tests/test_crash.c): each case kills a child process with SIGKILL at
# one injection point, 20 times, and checks that recovery leaves both sides equal. One CTest entry
# per TEST(case), crash.shop.<case>, label "crash", on the shared DynamoDB Local fixture; the
# relational side is a SQLite file of the case's own. Not under valgrind or the sanitizers: the
# children die by SIGKILL by design, which those tools report as errors.
#
# Included at the end of examples/shop/CMakeLists.txt, where shop_core exists.
if(NOT TARGET shop_core OR NOT TARGET ddb_test_support)
    return()
endif()

add_executable(shop_crash_tests ${CMAKE_CURRENT_LIST_DIR}/test_crash.c)
target_include_directories(shop_crash_tests PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(shop_crash_tests PRIVATE shop_core ddb_build_flags)

set(shop_crash_work ${CMAKE_CURRENT_BINARY_DIR}/crash)
file(MAKE_DIRECTORY ${shop_crash_work})
set(shop_crash_env
    "DDB_TEST_LOCAL_STATE=${CMAKE_BINARY_DIR}/dynamodb-local" "SHOP_CRASH_WORK=${shop_crash_work}"
    "AWS_CONFIG_FILE=/dev/null" "AWS_SHARED_CREDENTIALS_FILE=/dev/null" "AWS_PROFILE="
    "AWS_REGION=us-east-1" "AWS_ACCESS_KEY_ID=AKIDSHOPTEST" "AWS_SECRET_ACCESS_KEY=shop-test-secret"
    "AWS_EC2_METADATA_DISABLED=true")

set(shop_crash_source ${CMAKE_CURRENT_LIST_DIR}/test_crash.c)
file(STRINGS ${shop_crash_source} shop_crash_lines REGEX "^TEST\\([A-Za-z0-9_]+\\)")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${shop_crash_source})
foreach(line ${shop_crash_lines})
    string(REGEX REPLACE "^TEST\\(([A-Za-z0-9_]+)\\).*" "\\1" case ${line})
    add_test(NAME crash.shop.${case} COMMAND shop_crash_tests ${case})
    set_tests_properties(crash.shop.${case} PROPERTIES LABELS "crash" TIMEOUT 300
                         ENVIRONMENT "${shop_crash_env}" FIXTURES_REQUIRED "dynamodb_local")
endforeach()
