#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace boocode::net {

/// A file sent in a multipart/form-data body.
struct form_file {
  std::string_view bytes; // a view into the body
  std::string filename;   // as the client named it ("" when it named none)
};

/// The boundary of a multipart/form-data Content-Type; "" when it is not one.
std::string multipart_boundary(std::string_view content_type);

/// The first file part of a multipart/form-data body (one whose
/// Content-Disposition has a filename, or else one named "file"), or a
/// sentence saying what is wrong with the body.
std::variant<form_file, std::string> first_file_part(std::string_view body,
                                                     std::string_view boundary);

} // namespace boocode::net
