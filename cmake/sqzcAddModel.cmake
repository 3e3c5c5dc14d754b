# sqzc_add_model: compiles a model with `sqzc compile` and makes a static library of the package,
# to link like any other (docs/cmake.md).
#
#   sqzc_add_model(<target> MODEL <file> [WEIGHTS <file>] [NAME <name>]
#                  [PRECISION float32|int8] [CALIBRATE <file or folder>...]
#                  [WEIGHTS_FORMAT dense|codebook|codebook-huffman|codebook-range]
#                  [OPTIMIZE speed|size] [TARGET <Halide target>]
#                  [THREADS <n>] [OPTIONS <more sqzc compile arguments>...])
#
# <target> is a STATIC library of the package's sources (every .cpp but the self-test), with the
# package folder as its PUBLIC include directory (#include "<name>.h") and Threads::Threads
# linked. NAME (default: <target>) is the package's C identifier: its header, namespace and
# function prefix. THREADS fixes the thread count a model gets when its options say 0 (the
# default, Model::init()): the package is built with SQZ_DEFAULT_THREADS=<n>. OPTIMIZE size emits
# kernels built for size (sqzc compile --optimize size: the smallest library, slower).
#
# When it runs sqzc. A package holds one source file per kernel, so its file list depends on the
# model, and CMake needs a library's sources when it writes the build system. So while CMake
# configures, `sqzc compile --list-files` names the files (it lowers the model without compiling
# a kernel: about a second); the build then runs `sqzc compile` itself, as a custom command whose
# outputs are those files, again whenever the model, its weights, the calibration inputs or the
# sqzc executable change. Those are configure dependencies too, so the list follows the model.

# The sqzc executable behind the imported target sqzc::sqzc.
function(_sqzc_executable out)
  if(NOT TARGET sqzc::sqzc)
    message(FATAL_ERROR "sqzc_add_model: no target sqzc::sqzc; call find_package(sqzc) first")
  endif()
  get_target_property(imported sqzc::sqzc IMPORTED)
  if(NOT imported)
    message(FATAL_ERROR "sqzc_add_model: sqzc::sqzc must be an installed or exported sqzc (find_package(sqzc)): "
                        "it lists the package's files while CMake configures")
  endif()
  get_target_property(location sqzc::sqzc IMPORTED_LOCATION)
  if(NOT location)
    get_target_property(configurations sqzc::sqzc IMPORTED_CONFIGURATIONS)
    foreach(config IN LISTS configurations)
      get_target_property(location sqzc::sqzc IMPORTED_LOCATION_${config})
      if(location)
        break()
      endif()
    endforeach()
  endif()
  if(NOT location OR NOT EXISTS "${location}")
    message(FATAL_ERROR "sqzc_add_model: the sqzc executable '${location}' does not exist (build sqzc first)")
  endif()
  set(${out} "${location}" PARENT_SCOPE)
endfunction()

function(sqzc_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "MODEL;WEIGHTS;NAME;PRECISION;WEIGHTS_FORMAT;OPTIMIZE;TARGET;THREADS"
                        "CALIBRATE;OPTIONS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "sqzc_add_model(${target}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_MODEL)
    message(FATAL_ERROR "sqzc_add_model(${target}): MODEL <file> is required")
  endif()
  set(name "${target}")
  if(arg_NAME)
    set(name "${arg_NAME}")
  endif()
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "sqzc_add_model(${target}): the package name '${name}' is not a C identifier; give NAME <name>")
  endif()
  if(DEFINED arg_OPTIMIZE AND NOT arg_OPTIMIZE MATCHES "^(speed|size)$")
    message(FATAL_ERROR "sqzc_add_model(${target}): OPTIMIZE ${arg_OPTIMIZE}: expected speed or size")
  endif()
  if(DEFINED arg_THREADS AND NOT arg_THREADS MATCHES "^[0-9]+$")
    message(FATAL_ERROR "sqzc_add_model(${target}): THREADS ${arg_THREADS}: expected a thread count (0: one per core)")
  endif()
  _sqzc_executable(sqzc)

  # The command line, and the files it reads.
  get_filename_component(model "${arg_MODEL}" ABSOLUTE)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/sqzc/${name}")
  set(command "${sqzc}" compile "${model}" -o "${dir}" --name "${name}" --force)
  set(inputs "${model}" "${sqzc}")
  if(arg_WEIGHTS)
    get_filename_component(weights "${arg_WEIGHTS}" ABSOLUTE)
    list(APPEND command --weights "${weights}")
    list(APPEND inputs "${weights}")
  endif()
  if(arg_PRECISION)
    list(APPEND command --precision "${arg_PRECISION}")
  endif()
  if(arg_CALIBRATE)
    list(APPEND command --calibrate)
    foreach(input IN LISTS arg_CALIBRATE)
      get_filename_component(input "${input}" ABSOLUTE)
      list(APPEND command "${input}")
      list(APPEND inputs "${input}")
      if(IS_DIRECTORY "${input}")  # a folder of inputs: each file in it too
        file(GLOB_RECURSE files LIST_DIRECTORIES false "${input}/*")
        list(APPEND inputs ${files})
      endif()
    endforeach()
  endif()
  if(arg_WEIGHTS_FORMAT)
    list(APPEND command --weights-format "${arg_WEIGHTS_FORMAT}")
  endif()
  if(arg_OPTIMIZE)
    list(APPEND command --optimize "${arg_OPTIMIZE}")
  endif()
  if(arg_TARGET)
    list(APPEND command --target "${arg_TARGET}")
  endif()
  list(APPEND command ${arg_OPTIONS})
  foreach(input IN LISTS inputs)
    if(NOT EXISTS "${input}")
      message(FATAL_ERROR "sqzc_add_model(${target}): ${input} does not exist")
    endif()
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${inputs})

  # The files the package will hold, named now; written by the build.
  execute_process(COMMAND ${command} --list-files RESULT_VARIABLE status OUTPUT_VARIABLE listed ERROR_VARIABLE errors)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "sqzc_add_model(${target}): sqzc compile --list-files failed (${status}):\n${errors}")
  endif()
  string(REGEX REPLACE "\n$" "" listed "${listed}")
  string(REPLACE "\n" ";" listed "${listed}")
  set(outputs)
  set(sources)
  foreach(file IN LISTS listed)
    list(APPEND outputs "${dir}/${file}")
    if(file MATCHES "\\.cpp$" AND NOT file MATCHES "^${name}_selftest")
      list(APPEND sources "${dir}/${file}")
    endif()
  endforeach()
  add_custom_command(OUTPUT ${outputs}
                     COMMAND ${command}
                     DEPENDS ${inputs}
                     COMMENT "sqzc compile ${model} (package ${name})"
                     VERBATIM)

  # The library: every source but the self-test's (the package's README says the same).
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC "${dir}")
  target_compile_features(${target} PUBLIC cxx_std_17)
  target_link_libraries(${target} PUBLIC Threads::Threads)
  # GCC notes that the ABI of 128-byte vector arguments changed in GCC 4.6 (-Wpsabi), on helpers
  # inside Halide's int8 kernels that never cross a library boundary; the kernel files' own pragma
  # cannot silence that note.
  target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-psabi>)
  if(DEFINED arg_THREADS)
    target_compile_definitions(${target} PRIVATE SQZ_DEFAULT_THREADS=${arg_THREADS})
  endif()
  set_target_properties(${target} PROPERTIES SQZC_PACKAGE_DIR "${dir}" SQZC_PACKAGE_NAME "${name}")
endfunction()
