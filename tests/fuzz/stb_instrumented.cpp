// stb_image and stb_image_resize compiled into the image fuzz target, so that the decoder sqzc
// hands downloaded images to runs instrumented (coverage, ASan, UBSan); these definitions take
// precedence over the uninstrumented ones in Debian's libstb.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb_image.h>
#include <stb_image_resize.h>
