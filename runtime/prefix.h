// Package-specific names, all derived from SQZ_PACKAGE (package_name.h), so that several packages
// link into one program: the runtime's namespace is SQZ_PACKAGE::runtime, and
//
//   SQZ_NAME(create)           -> <name>_create        (C functions and types)
//   SQZ_NAME(halide_malloc)    -> <name>_halide_malloc (the Halide runtime, see halide_names.h)
//   SQZ_UPPER_NAME(OK)         -> <NAME>_OK            (C constants)
//   SQZ_PACKAGE_STRING         -> "<name>"
//
// The public header (model_api.h) takes its prefix from its includer instead (see there).
#pragma once

#include "package_name.h"

#define SQZ_CONCAT_(a, b) a##_##b
#define SQZ_CONCAT(a, b) SQZ_CONCAT_(a, b)
#define SQZ_NAME(name) SQZ_CONCAT(SQZ_PACKAGE, name)
#define SQZ_UPPER_NAME(name) SQZ_CONCAT(SQZ_PACKAGE_UPPER, name)
#define SQZ_STRING_(x) #x
#define SQZ_STRING(x) SQZ_STRING_(x)
#define SQZ_PACKAGE_STRING SQZ_STRING(SQZ_PACKAGE)
