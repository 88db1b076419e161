"""Small Chinese appeals written for the tests: two topics in one category."""

STREETLIGHT = [
    "东风路与文华路交界处路灯不亮，晚上很黑，行人不安全",
    "文华路东风路口路灯坏了好几天，晚上一片漆黑",
    "东风路口的路灯一直不亮，请尽快维修",
    "路灯不亮，东风路文华路口晚上太黑了",
]
BARBECUE = [
    "小区楼下烧烤店油烟太大，熏得没法开窗",
    "烧烤店油烟扰民，晚上开到凌晨",
    "楼下烧烤摊油烟呛人",
]
