# The sqzc package for find_package(sqzc): the imported executable sqzc::sqzc and the function
# sqzc_add_model (sqzcAddModel.cmake, beside this file; docs/cmake.md). The same file serves an
# installed sqzc (<prefix>/lib/cmake/sqzc) and a build tree (<build>, -Dsqzc_DIR=<build>).
include(CMakeFindDependencyMacro)
# The packages sqzc_add_model builds link Threads::Threads.
find_dependency(Threads)

if(NOT TARGET sqzc::sqzc)
  include("${CMAKE_CURRENT_LIST_DIR}/sqzcTargets.cmake")
endif()
include("${CMAKE_CURRENT_LIST_DIR}/sqzcAddModel.cmake")
