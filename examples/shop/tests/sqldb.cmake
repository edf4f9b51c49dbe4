# sqldb: the shop's relational access layer (examples/shop/src/sqldb*.c) and its tests.
# Included from examples/shop/CMakeLists.txt:  include(tests/sqldb.cmake)
#
# Defines the static library `shop_sqldb` (link it into whatever uses sqldb.h; it brings libsqlite3,
# libmariadb and pthreads), and with BUILD_TESTING the test program `shop_test_sqldb`, registered
# once per case and backend as shop.sqldb.<backend>.<case> (label integration). The mariadb entries
# require the `mariadb` fixture (tests/CMakeLists.txt), which runs a private server for the run.

include_guard(GLOBAL) # the lead may include it for testing before the shop does
set(SQLDB_DIR "${CMAKE_CURRENT_LIST_DIR}/..")

pkg_check_modules(SQLITE3 IMPORTED_TARGET sqlite3)
pkg_check_modules(LIBMARIADB IMPORTED_TARGET libmariadb)
if(NOT SQLITE3_FOUND OR NOT LIBMARIADB_FOUND)
    message(FATAL_ERROR "the shop example needs libsqlite3-dev and libmariadb-dev: run scripts/bootstrap")
endif()

add_library(shop_sqldb STATIC
    ${SQLDB_DIR}/src/sqldb.c
    ${SQLDB_DIR}/src/sqldb_sqlite.c
    ${SQLDB_DIR}/src/sqldb_mariadb.c)
target_include_directories(shop_sqldb PUBLIC ${SQLDB_DIR}/src)
# ddbkit for ddb_error; the header includes "ddb/core/error.h".
target_link_libraries(shop_sqldb PUBLIC ddbkit_testkit_static PkgConfig::SQLITE3 PkgConfig::LIBMARIADB
                      Threads::Threads PRIVATE ddb_build_flags)

if(BUILD_TESTING)
    set(sqldb_test_source ${SQLDB_DIR}/tests/test_sqldb.c)
    add_executable(shop_test_sqldb ${sqldb_test_source})
    target_include_directories(shop_test_sqldb PRIVATE ${CMAKE_SOURCE_DIR}/tests)
    target_link_libraries(shop_test_sqldb PRIVATE shop_sqldb ddb_build_flags)

    # Must name the same state dir as the fixture in tests/CMakeLists.txt.
    set(sqldb_mariadb_state "${CMAKE_BINARY_DIR}/mariadb")
    file(STRINGS ${sqldb_test_source} sqldb_case_lines REGEX "^TEST\\([A-Za-z0-9_]+\\)")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${sqldb_test_source})
    foreach(line ${sqldb_case_lines})
        string(REGEX REPLACE "^TEST\\(([A-Za-z0-9_]+)\\).*" "\\1" case ${line})
        # Cases named after one backend run on that one; the others on all three.
        if(case MATCHES "^sqlite_memory_")
            set(backends sqlite_memory)
        elseif(case MATCHES "^sqlite_")
            set(backends sqlite_memory sqlite_file)
        elseif(case MATCHES "^mariadb_")
            set(backends mariadb)
        else()
            set(backends sqlite_memory sqlite_file mariadb)
        endif()
        foreach(backend ${backends})
            set(name shop.sqldb.${backend}.${case})
            add_test(NAME ${name} COMMAND shop_test_sqldb ${case})
            set_tests_properties(${name} PROPERTIES LABELS integration TIMEOUT 120
                SKIP_RETURN_CODE 77
                ENVIRONMENT "SQLDB_TEST_BACKEND=${backend};DDB_TEST_MARIADB_STATE=${sqldb_mariadb_state}")
            if(backend STREQUAL "mariadb")
                set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED mariadb)
            endif()
        endforeach()
    endforeach()
endif()
