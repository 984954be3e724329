# A run a person can look at and check (label see): the timeline's structure, the plots and
# their series, the report's derived fields, device-memory capacity, "not exploited" notes.
add_executable(timeline_check ${CMAKE_SOURCE_DIR}/tests/tools/timeline_check.c)
target_link_libraries(timeline_check PRIVATE PkgConfig::JSONC m)
foreach(c timeline timeline_bounded plots latency capacity notes csv_columns profile)
  add_test(NAME see/${c}
    COMMAND ${CMAKE_SOURCE_DIR}/tests/see_test.sh $<TARGET_FILE:simrun> $<TARGET_FILE:tracegen>
            $<TARGET_FILE:timeline_check> ${CMAKE_SOURCE_DIR} ${c})
  set_tests_properties(see/${c} PROPERTIES LABELS see ENVIRONMENT "${NMSIM_TEST_ENV}")
endforeach()
