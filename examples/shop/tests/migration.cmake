# The migration scenarios (tests/test_migration.c): one CTest entry per TEST(case),
# integration.migration.<case>, on the shared MariaDB and DynamoDB Local fixtures. The outage case
# also runs a private DynamoDB Local of its own (tests/ddb_local_persistent.sh) that it stops and
# restarts; it never touches the fixture's instance.
#
# Included at the end of examples/shop/CMakeLists.txt, where shop_core exists.
if(NOT TARGET shop_core OR NOT TARGET ddb_test_support)
    return()
endif()

add_executable(shop_migration_tests ${CMAKE_CURRENT_LIST_DIR}/test_migration.c)
target_include_directories(shop_migration_tests PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(shop_migration_tests PRIVATE shop_core ddb_build_flags)

# Journals, captured logs and the private DynamoDB Local's state live here; each case names its
# files after itself and its pid, so parallel runs never share one.
set(shop_migration_work ${CMAKE_CURRENT_BINARY_DIR}/migration)
file(MAKE_DIRECTORY ${shop_migration_work})
set(shop_migration_env
    "DDB_TEST_LOCAL_STATE=${CMAKE_BINARY_DIR}/dynamodb-local"
    "DDB_TEST_MARIADB_STATE=${CMAKE_BINARY_DIR}/mariadb"
    "SHOP_MIGRATION_WORK=${shop_migration_work}"
    "SHOP_DDB_LOCAL_PERSISTENT=${CMAKE_CURRENT_LIST_DIR}/ddb_local_persistent.sh"
    "AWS_CONFIG_FILE=/dev/null" "AWS_SHARED_CREDENTIALS_FILE=/dev/null" "AWS_PROFILE="
    "AWS_REGION=us-east-1" "AWS_ACCESS_KEY_ID=AKIDSHOPTEST" "AWS_SECRET_ACCESS_KEY=shop-test-secret"
    "AWS_EC2_METADATA_DISABLED=true")

set(shop_migration_source ${CMAKE_CURRENT_LIST_DIR}/test_migration.c)
file(STRINGS ${shop_migration_source} shop_migration_lines REGEX "^TEST\\([A-Za-z0-9_]+\\)")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${shop_migration_source})
foreach(line ${shop_migration_lines})
    string(REGEX REPLACE "^TEST\\(([A-Za-z0-9_]+)\\).*" "\\1" case ${line})
    set(name integration.migration.${case})
    add_test(NAME ${name} COMMAND shop_migration_tests ${case})
    set_tests_properties(${name} PROPERTIES LABELS "integration;migration" TIMEOUT 300
                         ENVIRONMENT "${shop_migration_env}"
                         FIXTURES_REQUIRED "dynamodb_local;mariadb")
    if(DDB_VALGRIND)
        # The cases fork scripts and talk to servers; valgrind follows only this process.
        add_test(NAME valgrind.migration.${case}
                 COMMAND valgrind --quiet --error-exitcode=99 --leak-check=full
                         --errors-for-leak-kinds=definite,indirect
                         --show-leak-kinds=definite,indirect
                         $<TARGET_FILE:shop_migration_tests> ${case})
        set_tests_properties(valgrind.migration.${case} PROPERTIES LABELS valgrind TIMEOUT 900
                             ENVIRONMENT "${shop_migration_env}"
                             FIXTURES_REQUIRED "dynamodb_local;mariadb")
    endif()
endforeach()
