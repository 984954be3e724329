# make validate: the simulator against published and measured kernel timings (label validation).
add_test(NAME validation/kernels
  COMMAND nmvalidate --root ${CMAKE_SOURCE_DIR} --bindir $<TARGET_FILE_DIR:simrun>
          --results ${CMAKE_BINARY_DIR}/validation-results.csv)
# The longest test: started first (COST), so that the short ones fill the other core meanwhile.
set_tests_properties(validation/kernels PROPERTIES LABELS validation ENVIRONMENT "${NMSIM_TEST_ENV}"
  COST 1000)
# Every row of the GPU machines that was simulated against a published value also has the
# roofline's value beside it (the baseline issue 11 judges groups by), whole-model rows included.
add_test(NAME validation/roofline_beside
  COMMAND awk -F, "NR > 1 && $1 !~ /^$/ && $2 ~ /^(a100_80gb|h100_sxm5|rtx3090) / && $4 != \"\" && $5 != \"\" && $7 == \"\" { print \"no roofline: \" $1; bad = 1 } NR > 1 { n++ } END { if (n < 1000) { print \"too few rows: \" n; bad = 1 } exit bad }"
          ${CMAKE_BINARY_DIR}/validation-results.csv)
set_tests_properties(validation/kernels PROPERTIES FIXTURES_SETUP validation_results)
set_tests_properties(validation/roofline_beside PROPERTIES LABELS validation
  FIXTURES_REQUIRED validation_results)
