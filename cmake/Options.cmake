# boocode_options: warnings and sanitizer flags for our own targets only.
# Third-party headers come in through imported targets, hence as SYSTEM includes.
add_library(boocode_options INTERFACE)
target_compile_options(boocode_options INTERFACE -Wall -Wextra)
target_include_directories(boocode_options INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
if(BOOCODE_SANITIZE)
  # Recoverable, so tests/sanitizers/ubsan.supp can silence third-party findings;
  # scripts/test sets UBSAN_OPTIONS=halt_on_error=1, so every other finding fails.
  target_compile_options(boocode_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(boocode_options INTERFACE -fsanitize=address,undefined)
endif()

# One library per top folder: boocode_add_library(runtime SOURCES ... DEPS ...)
function(boocode_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(boocode_${name} STATIC ${ARG_SOURCES})
  target_link_libraries(boocode_${name} PUBLIC boocode_options ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()
