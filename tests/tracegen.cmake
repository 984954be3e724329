# tracegen: models, options, and replay through simrun (label tracegen).
foreach(c params every_model options shape machines deterministic quiet bad)
  add_test(NAME tracegen/${c}
    COMMAND ${CMAKE_SOURCE_DIR}/tests/tracegen_test.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} ${c})
  set_tests_properties(tracegen/${c} PROPERTIES LABELS tracegen ENVIRONMENT "${NMSIM_TEST_ENV}")
endforeach()
