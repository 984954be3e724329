# Hostile inputs of issue 13 (label robust): each either a right answer or exit 2 naming the
# file, within a time limit and a memory limit (tests/robust_test.sh makes the large inputs).
set(NMSIM_ROBUST_CASES
  attn_block_tiny_density vec_bytes_overflow link_bandwidth_tiny tensor_rate_tiny
  attn_no_datapath gemm_count_2e31 gemm_k_2e40 attn_b_2e40 gemm_m_2e31 attn_skv attn_long_head
  gemm_65536_cubed time_wraps counter_wraps dur_ns_wraps process_substitution fifo_trace fifo_arch dev_zero
  step_bomb gzip_members config_quadratic include_bad sparse_modes_wrap tracegen_options
  output_is_input output_whole kineto_wraps kineto_huge_dims kineto_quadratic kineto_memory fuzz_findings
  two_passes_at_once spool_write_fails in_place_waits full_disk validate_options repeated_options
  text_settings step_tokens_product kineto_dims_past_2e63 power_limit_unmet plot_without_gnuplot
  topk_keeps_all)
foreach(c ${NMSIM_ROBUST_CASES})
  add_test(NAME robust/${c}
    COMMAND ${CMAKE_SOURCE_DIR}/tests/robust_test.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} ${c})
  set_tests_properties(robust/${c} PROPERTIES LABELS robust ENVIRONMENT "${NMSIM_TEST_ENV}")
endforeach()
# Seconds each, minutes under the sanitizers: the issue's attention of 2^32 keys (2^24 KV steps
# played) and a trace of 2^20 + 1 tensor declarations.
foreach(c attn_skv_2e32 tensor_bomb)
  add_test(NAME robust/${c}
    COMMAND ${CMAKE_SOURCE_DIR}/tests/robust_test.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} ${c})
  set_tests_properties(robust/${c} PROPERTIES LABELS "robust;slow" ENVIRONMENT "${NMSIM_TEST_ENV}")
endforeach()
