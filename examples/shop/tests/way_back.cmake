# The way back after the cutover and the shared phase (tests/test_way_back.c): one CTest entry per
# TEST(case), integration.migration.way_back.<case>, on the shop's SQLite repository (a file per
# case under the work directory; one case on MariaDB) and the DynamoDB Local fixture.
#
# Included at the end of examples/shop/CMakeLists.txt, after migration.cmake.
if(NOT TARGET shop_core OR NOT TARGET ddb_test_support)
    return()
endif()

add_executable(shop_way_back_tests ${CMAKE_CURRENT_LIST_DIR}/test_way_back.c)
target_include_directories(shop_way_back_tests PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(shop_way_back_tests PRIVATE shop_core ddb_build_flags)

set(shop_way_back_source ${CMAKE_CURRENT_LIST_DIR}/test_way_back.c)
file(STRINGS ${shop_way_back_source} shop_way_back_lines REGEX "^TEST\\([A-Za-z0-9_]+\\)")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${shop_way_back_source})
foreach(line ${shop_way_back_lines})
    string(REGEX REPLACE "^TEST\\(([A-Za-z0-9_]+)\\).*" "\\1" case ${line})
    set(name integration.migration.way_back.${case})
    add_test(NAME ${name} COMMAND shop_way_back_tests ${case})
    set_tests_properties(${name} PROPERTIES LABELS "integration;migration" TIMEOUT 300
                         ENVIRONMENT "${shop_migration_env}"
                         FIXTURES_REQUIRED "dynamodb_local;mariadb")
endforeach()
