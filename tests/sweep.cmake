# simsweep (label sweep): the bad sweep-file corpus, -j against -j1, kill and resume, MPI with
# 2 and 4 ranks against a -j run, shards and merge against a full run, report / Pareto / plots,
# failed points; and the unit tests of the sweep modules. The whole label runs in well under
# a minute on 2 cores.
set(NMSIM_SWEEP_TEST ${CMAKE_SOURCE_DIR}/tests/sweep_test.sh)

file(GLOB NMSIM_BAD_SWEEPS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/bad/sweep/*.cfg)
foreach(f ${NMSIM_BAD_SWEEPS})
  get_filename_component(name ${f} NAME_WE)
  add_test(NAME sweep/bad/${name} COMMAND ${NMSIM_SWEEP_TEST} ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} bad ${name})
  set_tests_properties(sweep/bad/${name} PROPERTIES LABELS sweep ENVIRONMENT "${NMSIM_TEST_ENV}")
endforeach()

foreach(c jobs resume failed shard report mpi2 mpi4)
  add_test(NAME sweep/${c} COMMAND ${NMSIM_SWEEP_TEST} ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} ${c})
  # 77: MPI is not there (no mpirun, or simsweep built without it): skipped, not passed.
  set_tests_properties(sweep/${c} PROPERTIES LABELS sweep ENVIRONMENT "${NMSIM_TEST_ENV}"
    SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
# The MPI runs start several ranks each: not beside one another on a 2-core machine.
set_tests_properties(sweep/mpi2 sweep/mpi4 PROPERTIES RUN_SERIAL TRUE)

add_executable(test_sweep ${CMAKE_SOURCE_DIR}/tests/sweep/test_sweep.c)
target_link_libraries(test_sweep PRIVATE nmsim_sweep PkgConfig::CMOCKA)
add_test(NAME sweep/units COMMAND test_sweep)
set_tests_properties(sweep/units PROPERTIES LABELS "sweep;unit" ENVIRONMENT "${NMSIM_TEST_ENV}")
