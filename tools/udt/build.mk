# lu2k-udt: send and receive files or streams over lu2k's UDT engine, no LNet.
$(eval $(call lu2k_prog,lu2k-udt,tools/udt/lu2k_udt.c tools/udt/udt_tool_conn.c,udt))
