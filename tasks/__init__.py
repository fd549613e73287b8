from tasks.ast_turns import make_parses_take_turns

make_parses_take_turns()
