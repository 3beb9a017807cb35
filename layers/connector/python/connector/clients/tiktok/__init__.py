"""TikTok Shop Partner API client (202309 versions).

``errors``, ``models`` and ``parsing`` are plain Python (no HTTP library); ``signing`` computes the
request signature; ``transport`` sends one signed request with retries; ``auth.TikTokClient`` holds
the app credentials and its tokens calls, ``shop.ShopClient`` the calls for one authorized shop.
Import each name from the module that defines it: this package imports nothing on its own.
"""
