"""The planner's day: check, re-plan, roll forward and review a plan."""

from agrichain.day.review import Review, review_plan
from agrichain.day.roll import Roll, RollReport, roll_day, roll_forward
from agrichain.io.scenario_folder import ScenarioFolderError, write_scenario_folder

__all__ = [
    "Review",
    "Roll",
    "RollReport",
    "ScenarioFolderError",
    "review_plan",
    "roll_day",
    "roll_forward",
    "write_scenario_folder",
]
