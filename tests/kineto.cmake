# tracegen --from-kineto: the two real PyTorch-profiler fixtures and a synthetic one (label kineto).
foreach(c counts durations unmapped deterministic replay synthetic threads bad)
  add_test(NAME kineto/${c}
    COMMAND ${CMAKE_SOURCE_DIR}/tests/kineto_test.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} ${c})
  set_tests_properties(kineto/${c} PROPERTIES LABELS kineto ENVIRONMENT "${NMSIM_TEST_ENV}")
endforeach()
