# The bad-input corpus: every file must make simrun exit 2 with a message naming the file and
# saying what is wrong (its .expect sidecar), never crash. Adding a file adds a test.
set(NMSIM_GOOD_TRACE ${CMAKE_SOURCE_DIR}/tests/golden/gemm_small.trace)
set(NMSIM_TINY_CFG ${CMAKE_SOURCE_DIR}/configs/test/tiny.cfg)

file(GLOB NMSIM_BAD_TRACES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/bad/trace/*.expect)
foreach(expect ${NMSIM_BAD_TRACES})
  string(REGEX REPLACE "\\.expect$" "" stem ${expect})
  if(EXISTS ${stem}.trace)
    set(input ${stem}.trace)
  elseif(EXISTS ${stem}.trace.gz)
    set(input ${stem}.trace.gz)
  else()
    continue()
  endif()
  get_filename_component(name ${input} NAME)
  add_test(NAME badtrace/${name}
    COMMAND ${CMAKE_SOURCE_DIR}/tests/expect_fail.sh ${expect} ${name} --
            $<TARGET_FILE:simrun> --arch ${NMSIM_TINY_CFG} ${input})
  set_tests_properties(badtrace/${name} PROPERTIES LABELS badinput ENVIRONMENT "${NMSIM_TEST_ENV}")
endforeach()

file(GLOB NMSIM_BAD_ARCHS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/bad/arch/*.expect)
foreach(expect ${NMSIM_BAD_ARCHS})
  string(REGEX REPLACE "\\.expect$" ".cfg" input ${expect})
  get_filename_component(name ${input} NAME)
  add_test(NAME badarch/${name}
    COMMAND ${CMAKE_SOURCE_DIR}/tests/expect_fail.sh ${expect} ${name} --
            $<TARGET_FILE:simrun> --arch ${input} ${NMSIM_GOOD_TRACE})
  set_tests_properties(badarch/${name} PROPERTIES LABELS badinput ENVIRONMENT "${NMSIM_TEST_ENV}")
endforeach()

# Bad command lines: exit 2 with a message (the "file" named is the option).
# Each case: name|message|what the message names|arguments separated by ^
set(NMSIM_BAD_CLI
  "no_arch|--arch FILE is required|--arch|${NMSIM_GOOD_TRACE}"
  "no_trace|no TRACE given|TRACE|--arch^${NMSIM_TINY_CFG}"
  "two_traces|more than one TRACE|TRACE|--arch^${NMSIM_TINY_CFG}^${NMSIM_GOOD_TRACE}^${NMSIM_GOOD_TRACE}"
  "unknown_option|unknown option '--frobnicate'|--frobnicate|--frobnicate^--arch^${NMSIM_TINY_CFG}^${NMSIM_GOOD_TRACE}"
  "set_without_equals|expected PATH=VALUE|--set|--set^core.count^--arch^${NMSIM_TINY_CFG}^${NMSIM_GOOD_TRACE}"
  "set_unknown_path|unknown setting|core.cont|--set^core.cont=3^--arch^${NMSIM_TINY_CFG}^${NMSIM_GOOD_TRACE}"
  "set_out_of_range|is outside|core.count|--set^core.count=0^--arch^${NMSIM_TINY_CFG}^${NMSIM_GOOD_TRACE}"
  "set_bad_rate|expected a rate|hbm.bandwidth|--set^hbm.bandwidth=fast^--arch^${NMSIM_TINY_CFG}^${NMSIM_GOOD_TRACE}"
  "missing_trace_file|cannot open|nonexistent.trace|--arch^${NMSIM_TINY_CFG}^nonexistent.trace"
  "json_unwritable|cannot open for writing|/nonexistent/dir/r.json|--json^/nonexistent/dir/r.json^--arch^${NMSIM_TINY_CFG}^${NMSIM_GOOD_TRACE}"
  "no_tile_fits|no tile of fp16 operands fits|gemm_small.trace|--set^smem.size=1 KiB^--arch^${NMSIM_TINY_CFG}^${NMSIM_GOOD_TRACE}"
  "attn_no_tile_fits|attn: the smallest attention tile (a 16-row query block and 2 stages of 16-key K and V blocks, d=64: 10240 bytes) does not fit the 1024-byte operand buffer|attn_buffer.trace:5|--set^smem.size=1 KiB^--arch^${NMSIM_TINY_CFG}^${CMAKE_SOURCE_DIR}/tests/bad/run/attn_buffer.trace"
  "attn_stages|3 stages of 16-key K and V blocks|attn_buffer.trace:5|--set^smem.size=12 KiB^--set^smem.stages=3^--arch^${NMSIM_TINY_CFG}^${CMAKE_SOURCE_DIR}/tests/bad/run/attn_buffer.trace"
  "no_datapath|no datapath|nodatapath.trace|--set^tensor.fp16=0^--set^tensor.fp32=0^--arch^${NMSIM_TINY_CFG}^${CMAKE_SOURCE_DIR}/tests/bad/run/nodatapath.trace"
  "attn_decode_no_tile_fits|the smallest attention tile (a 8-row query block and 2 stages of 16-key K and V blocks, d=64: 9216 bytes) does not fit the 9000-byte operand buffer|attn_decode_buffer.trace:3|--set^smem.stages=4^--set^smem.size=9000 B^--arch^${NMSIM_TINY_CFG}^${CMAKE_SOURCE_DIR}/tests/bad/run/attn_decode_buffer.trace"
  "check_after_same_op|:5: gemm: k=999999999999: 31250000000 K steps|check_after_same_op.trace|--arch^${NMSIM_TINY_CFG}^${CMAKE_SOURCE_DIR}/tests/bad/run/check_after_same_op.trace"
  "menu_no_fit|no tile of the cutlass_sm80_sparse menu (mapper.menu) fits the 32768-byte buffer|menu_no_fit.trace:5|--set^smem.size=32KiB^--set^mapper.menu=cutlass_sm80_sparse^--arch^a100_24.cfg^${CMAKE_SOURCE_DIR}/tests/bad/run/menu_no_fit.trace")
foreach(case ${NMSIM_BAD_CLI})
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 name)
  list(GET parts 1 want)
  list(GET parts 2 named)
  list(GET parts 3 argtext)
  string(REPLACE "^" ";" args "${argtext}")
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/badcli_${name}.expect "${want}\n")
  add_test(NAME badcli/${name}
    COMMAND ${CMAKE_SOURCE_DIR}/tests/expect_fail.sh ${CMAKE_CURRENT_BINARY_DIR}/badcli_${name}.expect
            ${named} -- $<TARGET_FILE:simrun> ${args})
  set_tests_properties(badcli/${name} PROPERTIES LABELS badinput ENVIRONMENT "${NMSIM_TEST_ENV}")
endforeach()
