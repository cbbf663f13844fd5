"""The partner portal: an accepted partner's contact follows the candidates their
organisation referred, their funnel, and the directory of the other partners."""
