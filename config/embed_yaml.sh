#!/bin/sh
# Usage: embed_yaml.sh INPUT OUTPUT
# Writes a C++ source that defines pushgw::config::DefaultConfigYaml() returning
# INPUT's bytes. Every byte becomes a \xNN escape, so no content of the file
# (quotes, backslashes, a raw-string delimiter, NUL) can end the literal early.
set -eu
in="$1"
out="$2"
{
  echo "// Generated from $in by //config:default_config_yaml_cc. Do not edit."
  echo '#include "config/loader.h"'
  echo
  echo 'namespace pushgw::config {'
  echo 'namespace {'
  echo
  echo 'constexpr char kDefaultConfigYaml[] ='
  echo '    ""'
  od -An -v -tx1 "$in" | sed -e 's/ \([0-9a-f][0-9a-f]\)/\\x\1/g' -e 's/^/    "/' -e 's/$/"/'
  echo '    ;'
  echo
  echo '}  // namespace'
  echo
  echo 'absl::string_view DefaultConfigYaml() {'
  echo '  return absl::string_view(kDefaultConfigYaml, sizeof(kDefaultConfigYaml) - 1);'
  echo '}'
  echo
  echo '}  // namespace pushgw::config'
} >"$out"
