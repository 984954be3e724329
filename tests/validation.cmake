# make validate: the simulator against published and measured kernel timings (label validation).
add_test(NAME validation/kernels
  COMMAND nmvalidate --root ${CMAKE_SOURCE_DIR} --bindir $<TARGET_FILE_DIR:simrun>
          --results ${CMAKE_BINARY_DIR}/validation-results.csv)
# The longest test: started first (COST), so that the short ones fill the other core meanwhile.
set_tests_properties(validation/kernels PROPERTIES LABELS validation ENVIRONMENT "${NMSIM_TEST_ENV}"
  COST 1000)
