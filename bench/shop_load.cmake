# bench/shop_load: the shop's mixed workload against one backend (bench/shop_load.c;
# scripts/shop-load runs it on every backend). It needs the shop's library, which is defined under
# examples/ after bench/, so include this file after examples/shop, e.g. from examples/CMakeLists.txt:
#   include(${CMAKE_SOURCE_DIR}/bench/shop_load.cmake)
if(NOT TARGET shop_core)
    return()
endif()
add_executable(shop_load ${CMAKE_SOURCE_DIR}/bench/shop_load.c)
target_link_libraries(shop_load PRIVATE shop_core ddb_build_flags m)
# One place to find it whichever directory included this file.
set_target_properties(shop_load PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
