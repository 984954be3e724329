# Golden reports (label golden) and the command-line contract (label cli).
add_executable(json_diff ${CMAKE_SOURCE_DIR}/tests/tools/json_diff.c)
target_link_libraries(json_diff PRIVATE PkgConfig::JSONC m)
file(GLOB NMSIM_GOLDEN CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/golden/*.trace)
foreach(t ${NMSIM_GOLDEN})
  get_filename_component(name ${t} NAME_WE)
  add_test(NAME golden/${name}
    COMMAND ${CMAKE_SOURCE_DIR}/tests/golden_check.sh $<TARGET_FILE:simrun> $<TARGET_FILE:json_diff> ${CMAKE_SOURCE_DIR} ${name})
  set_tests_properties(golden/${name} PROPERTIES LABELS golden ENVIRONMENT "${NMSIM_TEST_ENV}")
endforeach()

foreach(c describe version_help json_stdout deterministic cache_exact stdin csv set_changes_result include include_override units attn_buffer attn_decode_tiles toy quiet)
  add_test(NAME cli/${c} COMMAND ${CMAKE_SOURCE_DIR}/tests/cli_test.sh $<TARGET_FILE:simrun> ${CMAKE_SOURCE_DIR} ${c})
  set_tests_properties(cli/${c} PROPERTIES LABELS cli ENVIRONMENT "${NMSIM_TEST_ENV}")
endforeach()
# The include case writes a file next to tiny.cfg; keep it from racing with itself.
set_tests_properties(cli/include PROPERTIES RUN_SERIAL TRUE)

# Steady-state skipping against the full play (--exact) on >= 200 shapes (label steady).
add_test(NAME steady/shapes
  COMMAND ${CMAKE_SOURCE_DIR}/tests/steady_shapes.sh $<TARGET_FILE:simrun> $<TARGET_FILE:json_diff> ${CMAKE_SOURCE_DIR})
set_tests_properties(steady/shapes PROPERTIES LABELS steady ENVIRONMENT "${NMSIM_TEST_ENV}" COST 500)
