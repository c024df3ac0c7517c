// Loads pushgw's YAML configuration (schema: proto/pushgw/config/v1/config.proto),
// validates it and returns the plain structs of core/options.h. Called once at
// startup; functions are independent and thread-compatible.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/options.h"
#include "pushgw/config/v1/config.pb.h"

namespace pushgw::config {

// Reads and loads the file at `path`. Relative *_file settings and static_root
// are resolved against the file's directory. Errors name the file, line and
// field ("etc/pushgw.yaml:12:28: locations[3].ping_message_interval: ...").
absl::StatusOr<core::ServerConfig> LoadConfigFile(const std::string& path);

// Loads a YAML document. `source_name` prefixes error messages; relative
// *_file settings and static_root are resolved against `base_dir` (the current
// directory when empty).
absl::StatusOr<core::ServerConfig> LoadConfigYaml(absl::string_view yaml,
                                                  absl::string_view source_name,
                                                  const std::string& base_dir);

// The embedded reference layout (SPEC §3), i.e. config/default.yaml.
absl::StatusOr<core::ServerConfig> DefaultConfig();
absl::string_view DefaultConfigYaml();

// For tools (config checkers, dumps): the validated document as the schema's
// message, as written except that each header_template_file has been read into
// header_template and static_root is resolved against `base_dir`.
// location_defaults are not applied to the locations.
absl::StatusOr<v1::Config> LoadConfigProto(absl::string_view yaml, absl::string_view source_name,
                                           const std::string& base_dir);

}  // namespace pushgw::config
