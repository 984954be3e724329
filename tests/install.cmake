# Finding machines by name and the installed layout (label install): simrun --arch NAME from
# any folder, NMSIM_CONFIG_PATH, and `cmake --install` into a temporary prefix.
foreach(c lookup prefix)
  add_test(NAME install/${c}
    COMMAND ${CMAKE_SOURCE_DIR}/tests/install_test.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} ${c})
  set_tests_properties(install/${c} PROPERTIES LABELS install ENVIRONMENT "${NMSIM_TEST_ENV}")
endforeach()
