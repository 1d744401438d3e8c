"""The plugin's blueprint, mounted at ``/<tenant>/mkb-toets/``; ``views`` and ``respond`` add its routes."""

from flask import Blueprint

bp = Blueprint("mkb_toets", __name__, template_folder="templates")
