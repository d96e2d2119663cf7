// The dashboard's files (web/dashboard/), embedded in the binary at build time byte for byte
// (cmake/embed_assets.cmake), so every member serves the page with no files to install.
#pragma once

#include <optional>
#include <string_view>

namespace chorus::http {

// "index.html", "app.js", "style.css"; nullopt for any other name.
std::optional<std::string_view> embedded_asset(std::string_view name);

}  // namespace chorus::http
