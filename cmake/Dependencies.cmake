# Every outside library BooCode uses, found once and exposed as imported targets.
# See ../shared/STACK.md for why each is found the way it is.
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS json)
find_package(OpenSSL 3 REQUIRED)
find_package(CapnProto 0.9 CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(nlohmann_json 3.11 CONFIG REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED COMPONENTS core)
find_package(GTest CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)
# Image attachments: decoded and re-encoded by the codecs' own libraries (runtime/image).
pkg_check_modules(IMAGE_CODECS REQUIRED IMPORTED_TARGET libpng libturbojpeg libwebp libwebpdemux libgif)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)

# CAF 0.17 ships no CMake or pkg-config files.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIB caf_core REQUIRED)
find_library(CAF_IO_LIB caf_io REQUIRED)
add_library(caf::core SHARED IMPORTED)
set_target_properties(caf::core PROPERTIES IMPORTED_LOCATION ${CAF_CORE_LIB}
  INTERFACE_LINK_LIBRARIES Threads::Threads)
add_library(caf::io SHARED IMPORTED)
set_target_properties(caf::io PROPERTIES IMPORTED_LOCATION ${CAF_IO_LIB}
  INTERFACE_LINK_LIBRARIES caf::core)
find_library(CAF_OPENSSL_LIB caf_openssl REQUIRED)
add_library(caf::openssl SHARED IMPORTED)
set_target_properties(caf::openssl PROPERTIES IMPORTED_LOCATION ${CAF_OPENSSL_LIB}
  INTERFACE_LINK_LIBRARIES "caf::io;OpenSSL::SSL")

# V8 from Debian's libnode, unpacked by scripts/setup into a private prefix.
# Never /usr/include/node: on this image it holds NodeSource's V8 11.3 headers.
set(LIBNODE_ROOT /opt/boocode/libnode/usr CACHE PATH "Prefix of the unpacked libnode108 + libnode-dev")
find_path(V8_INCLUDE_DIR v8.h PATHS ${LIBNODE_ROOT}/include/node NO_DEFAULT_PATH)
find_library(NODE_LIB NAMES node libnode.so.108 PATHS ${LIBNODE_ROOT}/lib/x86_64-linux-gnu ${LIBNODE_ROOT}/lib NO_DEFAULT_PATH)
if(NOT V8_INCLUDE_DIR OR NOT NODE_LIB)
  message(FATAL_ERROR "V8 not found under ${LIBNODE_ROOT}: run scripts/setup, which unpacks Debian's libnode108 and libnode-dev there")
endif()
add_library(v8::v8 SHARED IMPORTED)
set_target_properties(v8::v8 PROPERTIES IMPORTED_LOCATION ${NODE_LIB}
  INTERFACE_INCLUDE_DIRECTORIES ${V8_INCLUDE_DIR})
get_filename_component(NODE_LIB_DIR ${NODE_LIB} DIRECTORY)
