"""The TensorRT 10.3 Python API surface (JetPack 6.1/6.2's TensorRT) that the stand-in in
``trt_standin.py`` exposes, and nothing else. Names read from NVIDIA/TensorRT tag v10.3.0:
python/src/infer/pyCore.cpp, pyGraph.cpp, pyFoundationalTypes.cpp, python/src/parsers/pyOnnx.cpp and
python/packaging/bindings_wheel/tensorrt/__init__.py (``nptype``). ``REMOVED_IN_11`` lists what the
TensorRT 10.x → 11.x migration guide (Python API reference) says 11.x removed, so a test can also
run the build against an 11-shaped surface."""

# enums: name -> members
ENUMS = {
    "Severity": ["INTERNAL_ERROR", "ERROR", "WARNING", "INFO", "VERBOSE"],
    "NetworkDefinitionCreationFlag": ["EXPLICIT_BATCH", "STRONGLY_TYPED"],
    "BuilderFlag": ["FP16", "BF16", "INT8", "DEBUG", "GPU_FALLBACK", "REFIT", "DISABLE_TIMING_CACHE", "TF32",
                    "SPARSE_WEIGHTS", "SAFETY_SCOPE", "OBEY_PRECISION_CONSTRAINTS", "PREFER_PRECISION_CONSTRAINTS",
                    "DIRECT_IO", "REJECT_EMPTY_ALGORITHMS", "VERSION_COMPATIBLE", "EXCLUDE_LEAN_RUNTIME", "FP8",
                    "ERROR_ON_TIMING_CACHE_MISS", "DISABLE_COMPILATION_CACHE", "WEIGHTLESS", "STRIP_PLAN",
                    "REFIT_IDENTICAL", "WEIGHT_STREAMING", "INT4", "REFIT_INDIVIDUAL"],
    "MemoryPoolType": ["WORKSPACE", "DLA_MANAGED_SRAM", "DLA_LOCAL_DRAM", "DLA_GLOBAL_DRAM", "TACTIC_DRAM",
                       "TACTIC_SHARED_MEMORY"],
    "TensorIOMode": ["NONE", "INPUT", "OUTPUT"],
    "DataType": ["FLOAT", "HALF", "BF16", "INT8", "INT32", "INT64", "BOOL", "UINT8", "FP8", "INT4"],
}
# module-level aliases of DataType members
DTYPE_ALIASES = {"float32": "FLOAT", "float16": "HALF", "bfloat16": "BF16", "int8": "INT8", "int32": "INT32",
                 "int64": "INT64", "bool": "BOOL", "uint8": "UINT8", "fp8": "FP8", "int4": "INT4"}
# nptype() in 10.3 maps only these (no fp8/bfloat16/int4)
NPTYPE = {"FLOAT": "float32", "HALF": "float16", "INT8": "int8", "INT32": "int32", "INT64": "int64",
          "BOOL": "bool_", "UINT8": "uint8"}

# classes: name -> attributes and methods
CLASSES = {
    "Logger": ["min_severity", "log"],
    "Builder": ["build_serialized_network", "create_builder_config", "create_network", "create_optimization_profile",
                "error_recorder", "get_plugin_registry", "gpu_allocator", "is_network_supported", "logger",
                "max_DLA_batch_size", "max_threads", "num_DLA_cores", "platform_has_fast_fp16",
                "platform_has_fast_int8", "platform_has_tf32", "reset"],
    "IBuilderConfig": ["DLA_core", "add_optimization_profile", "algorithm_selector", "avg_timing_iterations",
                       "builder_optimization_level", "can_run_on_DLA", "clear_flag", "clear_quantization_flag",
                       "create_timing_cache", "default_device_type", "engine_capability", "flags",
                       "get_calibration_profile", "get_device_type", "get_flag", "get_memory_pool_limit",
                       "get_preview_feature", "get_quantization_flag", "get_tactic_sources", "get_timing_cache",
                       "hardware_compatibility_level", "int8_calibrator", "is_device_type_set", "max_aux_streams",
                       "num_optimization_profiles", "plugins_to_serialize", "profile_stream", "profiling_verbosity",
                       "progress_monitor", "quantization_flags", "reset", "reset_device_type", "runtime_platform",
                       "set_calibration_profile", "set_device_type", "set_flag", "set_memory_pool_limit",
                       "set_preview_feature", "set_quantization_flag", "set_tactic_sources", "set_timing_cache"],
    "ITimingCache": ["combine", "reset", "serialize"],
    "IOptimizationProfile": ["extra_memory_target", "get_shape", "get_shape_input", "set_shape", "set_shape_input"],
    "INetworkDefinition": ["builder", "error_recorder", "flags", "get_flag", "get_input", "get_layer", "get_output",
                           "has_implicit_batch_dimension", "mark_output", "name", "num_inputs", "num_layers",
                           "num_outputs", "unmark_output"],
    "ILayer": ["get_input", "get_output", "get_output_type", "metadata", "name", "num_inputs", "num_outputs",
               "output_type_is_set", "precision", "precision_is_set", "reset_output_type", "reset_precision",
               "set_input", "set_output_type", "type"],
    "OnnxParser": ["clear_errors", "clear_flag", "flags", "get_error", "get_flag", "get_layer_output_tensor",
                   "get_subgraph_nodes", "get_used_vc_plugin_libraries", "is_subgraph_supported", "num_errors",
                   "num_subgraphs", "parse", "parse_from_file", "parse_with_weight_descriptors", "set_flag",
                   "supports_model", "supports_model_v2", "supports_operator"],
    "Runtime": ["DLA_core", "deserialize_cuda_engine", "engine_host_code_allowed", "error_recorder",
                "get_plugin_registry", "gpu_allocator", "load_runtime", "logger", "max_threads", "num_DLA_cores",
                "tempfile_control_flags", "temporary_directory"],
    "ICudaEngine": ["create_execution_context", "create_execution_context_without_device_memory",
                    "device_memory_size", "device_memory_size_v2", "engine_capability", "get_tensor_dtype",
                    "get_tensor_format", "get_tensor_location", "get_tensor_mode", "get_tensor_name",
                    "get_tensor_profile_shape", "get_tensor_profile_values", "get_tensor_shape",
                    "has_implicit_batch_dimension", "is_shape_inference_io", "name", "num_io_tensors", "num_layers",
                    "num_optimization_profiles", "refittable", "serialize"],
    "IExecutionContext": ["active_optimization_profile", "all_binding_shapes_specified",
                          "all_shape_inputs_specified", "debug_sync", "engine", "execute_async_v3", "execute_v2",
                          "get_tensor_address", "get_tensor_shape", "get_tensor_strides", "infer_shapes", "name",
                          "set_input_shape", "set_optimization_profile_async", "set_tensor_address"],
    "IHostMemory": ["dtype", "nbytes"],
}

# TensorRT 11.x removals (migration guide, "Removed Python APIs and Replacements"); ILayer.precision
# and its setters go with the precision constraints.
REMOVED_IN_11 = {
    "BuilderFlag": ["FP16", "INT8", "FP8", "BF16", "INT4", "OBEY_PRECISION_CONSTRAINTS",
                    "PREFER_PRECISION_CONSTRAINTS", "DIRECT_IO"],
    "IBuilderConfig": ["int8_calibrator", "set_calibration_profile", "get_calibration_profile",
                       "set_quantization_flag", "get_quantization_flag", "quantization_flags",
                       "clear_quantization_flag"],
    "Builder": ["platform_has_fast_fp16", "platform_has_fast_int8"],
    "ILayer": ["precision", "precision_is_set", "reset_precision"],
}
