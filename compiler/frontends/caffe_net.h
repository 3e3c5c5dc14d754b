// Shared by the Caffe frontends: one view of a NetParameter's layers whether the file writes them
// as current `layer` entries or as legacy V1 `layers`, and Caffe's rule for which layers a net in
// a given state (sqzc: phase TEST) includes.
#pragma once

#include "frontends/caffe.pb.h"

#include <string>
#include <vector>

namespace sqz::compiler {

// One layer of a net description, in the current form.
struct CaffeLayer {
    caffe::LayerParameter param;  // a V1 layer converted: name, type name, connections, rules and the
                                  // parameter messages sqzc reads (never its blobs)
    int index = 0;                // position within its repeated field (`layer` or `layers`)
    bool legacy = false;          // written as a V1 `layers` entry
    int blob_count = 0;           // blobs the file embeds in the layer (dropped from `param`)
};

// The net's layers in file order, without their blobs. A net with both `layer` and `layers`
// entries is refused, as Caffe refuses it ("file: ...").
std::vector<CaffeLayer> caffe_layers(const caffe::NetParameter& net, const std::string& file);

// Caffe's current type name of a V1 layer type ("Convolution" for CONVOLUTION); "" for NONE.
std::string caffe_v1_type_name(caffe::V1LayerParameter::LayerType type);

// Whether a net in `state` includes the layer, by its include and exclude rules (Caffe's
// StateMeetsRule). A layer with both kinds of rules is the caller's error to report.
bool caffe_layer_included(const caffe::LayerParameter& layer, const caffe::NetState& state);

}  // namespace sqz::compiler
