/* A minimal C program using a sqzc package through its C API. Compile a model with
 *   sqzc compile examples/squeezenet_v1.1.sqz -o model --name model
 * then build (the package is C++; link with a C++ compiler):
 *   cc -std=c11 -O2 -Imodel -c examples/c_api/main.c -o main.o
 *   c++ -std=c++17 -O2 main.o <every model .cpp except the two self-test files> -lpthread -o c_api
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>

int main(void) {
    model_model* m = NULL;
    model_options options = {0};
    options.threads = 2;
    int status = model_create(&options, &m);
    if (status != MODEL_OK) {
        fprintf(stderr, "create: %s\n", model_status_string(status));
        return 1;
    }
    float* input = calloc(MODEL_INPUT0_SIZE, sizeof(float));
    float* output = calloc(MODEL_OUTPUT0_SIZE, sizeof(float));
    for (size_t i = 0; i < MODEL_INPUT0_SIZE; ++i) input[i] = (float)((i * 7919) % 255) - 120.0f;
    status = model_run(m, input, output);
    if (status != MODEL_OK) {
        fprintf(stderr, "run: %s\n", model_status_string(status));
        return 1;
    }
    size_t best = 0;
    for (size_t i = 1; i < MODEL_OUTPUT0_SIZE; ++i)
        if (output[i] > output[best]) best = i;
    printf("best class %zu (score %g) on %d thread(s)\n", best, (double)output[best], model_threads(m));
    model_destroy(m);
    free(input);
    free(output);
    return 0;
}
