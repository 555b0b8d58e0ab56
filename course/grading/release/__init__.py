"""(room docstring below)"""
