// The name every package-specific name derives from (prefix.h builds them). In sqzc's own build
// the name is sqz, so the runtime's namespace is sqz::runtime and its C functions are sqz_*. sqzc
// writes each package its own version of this file (NAME_package_name.h) with the package's
// name: the only place a package's fixed code learns its name.
#pragma once

#define SQZ_PACKAGE sqz        // the package's name: C prefix and C++ namespace
#define SQZ_PACKAGE_UPPER SQZ  // the same in capitals: the prefix of its constants
