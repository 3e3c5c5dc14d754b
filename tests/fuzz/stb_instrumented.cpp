// stb_image and stb_image_resize compiled into the image fuzz target, so that the decoder sqzc
// hands downloaded images to runs instrumented (coverage, ASan); these definitions take precedence
// over the uninstrumented ones in Debian's libstb.
//
// This file is built without UBSan (tests/fuzz/CMakeLists.txt): stb_image 2.27 has undefined
// behaviour that touches no memory on corrupt files, which UBSan would stop the fuzzer at, e.g.
// memcpy(nullptr, src, 0) for a PNG whose first IDAT chunk is empty, and 32-bit shifts by 32 when
// a corrupt JPEG bit stream runs out. ASan still checks every memory access of the decoder; sqzc's
// own code, which checks images before stb_image sees them (compiler/image_input.cpp), keeps UBSan.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb_image.h>
#include <stb_image_resize.h>
