# Course labs (label labs; make labs): each lab's reference answers pass labs/check, its blank
# template and every deliberately wrong answer fail (labs/selftest.sh).
file(GLOB NMSIM_LABS CONFIGURE_DEPENDS LIST_DIRECTORIES true ${CMAKE_SOURCE_DIR}/labs/*)
foreach(d ${NMSIM_LABS})
  if(EXISTS ${d}/questions.tsv)
    get_filename_component(lab ${d} NAME)
    add_test(NAME labs/${lab} COMMAND ${CMAKE_SOURCE_DIR}/labs/selftest.sh ${CMAKE_BINARY_DIR} ${lab})
    set_tests_properties(labs/${lab} PROPERTIES LABELS labs ENVIRONMENT "${NMSIM_TEST_ENV}" TIMEOUT 120
      COST 100)
  endif()
endforeach()
