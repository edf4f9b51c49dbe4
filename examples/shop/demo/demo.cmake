# examples/shop/demo: shop_demo, the program `make demo` runs (scripts/demo): the shop through the
# five migration phases on MariaDB and DynamoDB Local. Include after examples/shop, e.g. from
# examples/CMakeLists.txt:
#   include(${CMAKE_SOURCE_DIR}/examples/shop/demo/demo.cmake)
if(NOT TARGET shop_core)
    return()
endif()
add_executable(shop_demo ${CMAKE_SOURCE_DIR}/examples/shop/demo/demo.c)
target_link_libraries(shop_demo PRIVATE shop_core ddb_build_flags)
set_target_properties(shop_demo PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                                           ${CMAKE_BINARY_DIR}/examples/shop/demo)
